<?php

use App\Livewire\Jobs\ShowJob;
use App\Livewire\Notes\EditNote;
use App\Livewire\Team\Dashboard;
use Illuminate\Support\Facades\Route;

Route::view('/', 'welcome')->name('home');

Route::middleware(['auth', 'verified'])->group(function () {
    Route::view('/today', 'today')->name('today');
    Route::get('/jobs/{job}', ShowJob::class)->name('jobs.show');
    Route::get('/notes/{note}/edit', EditNote::class)->name('notes.edit');

    Route::get('/team', Dashboard::class)
        ->middleware('can:view-team')
        ->name('team.dashboard');
});

require __DIR__.'/auth.php';
